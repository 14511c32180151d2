/** The package version, read from the package.json beside src/ or dist/. @module */
import { readFileSync } from 'node:fs'

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
