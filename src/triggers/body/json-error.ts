/**
 * Locate the first syntax error in a JSON text, so a 400 can say where the body went wrong
 * (JSON.parse messages differ between Node versions and echo the input).
 * Only called after JSON.parse has failed.
 * @module
 */

export interface JsonSyntaxProblem {
  /** 0-based character offset of the offending character (text length at end of input). */
  position: number
  line: number
  column: number
  /** What the parser expected there. */
  expected: string
  /** The offending character, or `end of input`. */
  found: string
}

class Stop {
  constructor(
    readonly position: number,
    readonly expected: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

export function locateJsonError(text: string): JsonSyntaxProblem | null {
  let i = 0
  const stop = (expected: string): never => {
    throw new Stop(i, expected)
  }
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  }
  const string = () => {
    i++
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 34) {
        i++
        return
      }
      if (c === 92) {
        const n = text[i + 1]
        if (n !== undefined && '"\\/bfnrt'.includes(n)) i += 2
        else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6
        else stop('a valid escape sequence')
      } else if (c < 0x20) stop('an escaped control character (raw line breaks and tabs are not allowed in strings)')
      else i++
    }
    stop('a closing double quote')
  }
  const object = () => {
    i++
    ws()
    if (text[i] === '}') {
      i++
      return
    }
    for (;;) {
      ws()
      if (text[i] !== '"') stop('a property name in double quotes')
      string()
      ws()
      if (text[i] !== ':') stop('":"')
      i++
      value()
      ws()
      if (text[i] !== ',') break
      i++
    }
    if (text[i] !== '}') stop('"," or "}"')
    i++
  }
  const array = () => {
    i++
    ws()
    if (text[i] === ']') {
      i++
      return
    }
    for (;;) {
      value()
      ws()
      if (text[i] !== ',') break
      i++
    }
    if (text[i] !== ']') stop('"," or "]"')
    i++
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') object()
    else if (c === '[') array()
    else if (c === '"') string()
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i
      if (!NUMBER.test(text)) stop('a number')
      i = NUMBER.lastIndex
    } else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i))
      if (word === undefined) stop('a value')
      else i += word.length
    }
  }
  try {
    value()
    ws()
    if (i < text.length) stop('end of input')
    return null
  } catch (e) {
    if (!(e instanceof Stop)) return null // e.g. nesting too deep for the stack
    const before = text.slice(0, e.position)
    const line = before.split('\n').length
    const column = e.position - before.lastIndexOf('\n')
    const ch = text[e.position]
    const found = ch === undefined ? 'end of input' : JSON.stringify(ch)
    return { position: e.position, line, column, expected: e.expected, found }
  }
}

/** `JSON.parse`, with a located, input-free message on failure. */
export function parseJson(text: string): { value: unknown } | { error: string; where: JsonSyntaxProblem | null } {
  try {
    return { value: JSON.parse(text) }
  } catch {
    const where = locateJsonError(text)
    const error = where
      ? `unexpected ${where.found} at line ${where.line}, column ${where.column} (position ${where.position}); expected ${where.expected}`
      : 'could not be parsed (nesting too deep?)'
    return { error, where }
  }
}
