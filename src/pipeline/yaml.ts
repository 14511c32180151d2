/**
 * YAML pipelines: parsed, then compiled by the same compiler as TypeScript ones.
 * Strings inside `{{ }}` are JSONata expressions; `${VAR}` is replaced from the environment.
 * @module
 */
import { parseDocument } from 'yaml'
import { ConfigError } from '../errors.js'
import { type CompileOptions, compilePipeline } from './compile.js'
import type { CompiledPipeline, PipelineDefinition } from './types.js'

/** Parse YAML text into a definition object, reporting syntax errors with line and column. */
export function parsePipelineYaml(text: string, file?: string): PipelineDefinition {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0]
        return { file: pos ? `${file ?? '<yaml>'}:${pos.line}:${pos.col}` : file, message: `YAML ${e.code}: ${e.message.split('\n')[0]}` }
      }),
    )
  }
  const value = doc.toJS({ maxAliasCount: 100 })
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError([{ file, message: 'a YAML pipeline must be a mapping with id, trigger and steps' }])
  }
  return value as PipelineDefinition
}

export function compilePipelineYaml(text: string, options: Omit<CompileOptions, 'format'> = {}): CompiledPipeline {
  return compilePipeline(parsePipelineYaml(text, options.file), { ...options, format: 'yaml' })
}
