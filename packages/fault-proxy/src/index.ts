export { matchQuery, startFaultProxy } from './fault-proxy.js'
export type { FaultAction, FaultProxy, FaultProxyOptions, FaultRule } from './fault-proxy.js'
export { startProxyProcess } from './proxy-process.js'
export type { ProxyProcess } from './proxy-process.js'
