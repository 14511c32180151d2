/**
 * `{{ jsonata }}` templates for YAML pipelines: {@link compileTemplate} turns plain data into
 * an evaluator over the run's scope; see docs/expressions.md.
 * @module
 */

export type { ExprOptions, Where } from './compile.js'
export { compileTemplate, isTemplate } from './compile.js'
export type { ExprClock } from './functions.js'
export { pipewrightFunctions } from './functions.js'
export type { TemplatePart } from './scan.js'
export { splitTemplate, TemplateSyntaxError } from './scan.js'
