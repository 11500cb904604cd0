import os from 'node:os'

/** The machine a run was measured on, so numbers from different machines are not compared blind. */
export interface MachineInfo {
  readonly cpu: string
  readonly cores: number
  readonly node: string
  readonly platform: string
  readonly memoryGiB: number
  /** 1-minute load average when the run started: other work on the machine skews timings. */
  readonly loadAverage: number
}

/** Reads {@link MachineInfo} from the running process. */
export function describeMachine(): MachineInfo {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg()[0] ?? 0,
  }
}

/** The machine as a short markdown list, for the top of a suite's section. */
export function machineMarkdown(m: MachineInfo): string {
  return [
    `- CPU: ${m.cpu}, ${m.cores} cores available to Node`,
    `- Node ${m.node} on ${m.platform}, ${m.memoryGiB} GiB RAM`,
    `- load average (1 min) at start: ${m.loadAverage.toFixed(2)}`,
  ].join('\n')
}
