#!/usr/bin/env node
import { runConformanceCommand } from './command.js'

process.exitCode = await runConformanceCommand(process.argv.slice(2))
