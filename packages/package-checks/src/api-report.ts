import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
} from '@microsoft/api-extractor'
import { publicPackages, type WorkspacePackage } from './public-packages.js'

/**
 * Writes (or, with `--check`, compares) the API report of every public package:
 * `packages/<name>/api/<name>.api.md`, the exported declarations as api-extractor sees them in the
 * built `dist/index.d.ts`. Committed, so that a change of public API shows in review.
 * `pnpm api` regenerates them; CI runs `pnpm api --check`, which fails only when a committed
 * report differs from the code.
 */
async function report(pkg: WorkspacePackage, check: boolean, temp: string): Promise<boolean> {
  await mkdir(join(pkg.dir, 'api'), { recursive: true })
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: pkg.dir,
      mainEntryPointFilePath: join(pkg.dir, 'dist/index.d.ts'),
      compiler: { tsconfigFilePath: join(pkg.dir, 'tsconfig.json') },
      apiReport: {
        enabled: true,
        reportFileName: pkg.shortName,
        reportFolder: join(pkg.dir, 'api'),
        reportTempFolder: join(temp, pkg.shortName),
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // Release tags (@public, @beta) are not used here: every export of index.ts is public.
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning, addToApiReportFile: true },
          'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None, addToApiReportFile: false },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(pkg.dir, 'package.json'),
  })
  const messages: string[] = []
  const result = Extractor.invoke(config, {
    localBuild: !check,
    showVerboseMessages: false,
    messageCallback: (message: ExtractorMessage) => {
      // api-extractor bundles its own TypeScript and says when the project's is newer or older.
      if (
        message.logLevel === ExtractorLogLevel.Info ||
        message.logLevel === ExtractorLogLevel.Verbose
      ) {
        message.handled = true
      } else if (
        message.logLevel === ExtractorLogLevel.Warning ||
        message.logLevel === ExtractorLogLevel.Error
      ) {
        messages.push(`  ${message.messageId}: ${message.text}`)
        message.handled = true
      }
    },
  })
  const where = `packages/${pkg.dir.split('/packages/')[1] ?? pkg.shortName}/api/${pkg.shortName}.api.md`
  if (check && result.apiReportChanged) {
    console.error(`api: ${where} differs from the code; run \`pnpm api\` and commit it`)
    return false
  }
  if (!result.succeeded && !result.apiReportChanged) {
    console.error(`api: ${pkg.manifest.name} failed:\n${messages.join('\n')}`)
    return false
  }
  console.log(`api: ${where} ${result.apiReportChanged ? 'written' : 'unchanged'}`)
  return true
}

const check = process.argv.includes('--check')
const temp = await mkdtemp(join(tmpdir(), 'groupsync-api-'))
try {
  let ok = true
  for (const pkg of await publicPackages()) ok = (await report(pkg, check, temp)) && ok
  if (!ok) process.exitCode = 1
} finally {
  await rm(temp, { recursive: true, force: true })
}
