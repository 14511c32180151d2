/**
 * A small Block Kit helper for Slack messages.
 *
 * @example
 * ```ts
 * slack.postMessage({ channel: '#leads', text: 'Hot lead', blocks: [blocks.section('*Hot lead*'), blocks.fields('Score: 91', 'Owner: Ann'), blocks.context('via Pipewright')] })
 * ```
 * @module
 */
export interface MrkdwnText {
  type: 'mrkdwn'
  text: string
}

export type Block =
  | { type: 'section'; text: MrkdwnText }
  | { type: 'section'; fields: MrkdwnText[] }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'divider' }
  | { type: 'header'; text: { type: 'plain_text'; text: string } }

const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text })

export const blocks = {
  /** A section with one mrkdwn text (Slack caps section text at 3000 characters). */
  section: (text: string): Block => ({ type: 'section', text: mrkdwn(text.slice(0, 3000)) }),
  /** A section of two-column fields (at most 10, each up to 2000 characters). */
  fields: (...texts: string[]): Block => {
    if (texts.length === 0 || texts.length > 10) throw new RangeError(`blocks.fields takes 1 to 10 texts (got ${texts.length})`)
    return { type: 'section', fields: texts.map((t) => mrkdwn(t.slice(0, 2000))) }
  },
  /** Small grey context text (at most 10 elements). */
  context: (...texts: string[]): Block => {
    if (texts.length === 0 || texts.length > 10) throw new RangeError(`blocks.context takes 1 to 10 texts (got ${texts.length})`)
    return { type: 'context', elements: texts.map(mrkdwn) }
  },
  divider: (): Block => ({ type: 'divider' }),
  /** A plain-text header (at most 150 characters). */
  header: (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text: text.slice(0, 150) } }),
}
