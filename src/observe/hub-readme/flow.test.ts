import { describe, expect, it } from 'vitest'
import { invocation } from '../../connectors/contract.js'
import { compilePipeline } from '../../pipeline/compile.js'
import { manual } from '../../pipeline/define.js'
import { compileSync } from '../../sync/compile.js'
import { pipelineFlow, syncFlow } from './flow.js'

describe('data-flow diagrams', () => {
  it('draws branches with their conditions, an otherwise branch, for-each as a subgraph, and each connection once', () => {
    const p = compilePipeline(
      {
        id: 'route-each',
        trigger: manual(),
        steps: [
          {
            id: 'kind',
            route: [{ when: () => true, steps: [{ id: 'hot', action: invocation('slack.postMessage', {}) }] }],
            otherwise: [{ id: 'cold', map: () => ({}) }],
          },
          {
            id: 'each',
            forEach: () => [],
            steps: [{ id: 'upsert', action: invocation('hubspot.contacts.upsert', {}, 'main') }],
          },
          { id: 'again', action: invocation('hubspot.contacts.upsert', {}, 'main') },
        ],
      },
      { format: 'ts' },
    )
    const flow = pipelineFlow(p)
    expect(flow).toContain('  s_kind -->|"when 1"| s_kind_0__hot')
    expect(flow).toContain('  s_kind -->|"otherwise"| s_kind_else__cold')
    // Both branch ends lead to the next step.
    expect(flow).toContain('  s_kind_0__hot --> s_each')
    expect(flow).toContain('  s_kind_else__cold --> s_each')
    expect(flow).toContain('  subgraph s_each_each ["for each item of each"]')
    expect(flow).toContain('  s_each --> s_each_each__upsert')
    expect(flow.match(/c_hubspot_main\[/g)).toHaveLength(1)
    expect(flow).toContain('  s_again -.-> c_hubspot_main')
    expect(flow).toContain('  c_slack_default[("slack:default")]')
  })

  it('draws a sync’s two sides with the fields flowing each way', () => {
    const s = compileSync(
      {
        id: 'people',
        sides: { a: { side: 'memory:crm', matchKeys: ['email'] }, b: { side: 'memory:hub', matchKeys: ['email'] } },
        match: { a: 'email', b: 'email', normalize: 'email' },
        fields: [
          { a: 'email', b: 'email', owner: 'a' },
          { a: 'plan', b: 'plan', direction: 'a-to-b' },
          { a: 'stage', b: 'lifecyclestage', direction: 'b-to-a' },
        ],
      },
      { format: 'ts' },
    )
    expect(syncFlow(s)).toBe(
      [
        'flowchart LR',
        '  a_people[("memory:default/crm")]',
        '  b_people[("memory:default/hub")]',
        '  a_people -->|"email, plan"| b_people',
        '  b_people -->|"email, lifecyclestage"| a_people',
      ].join('\n'),
    )
  })
})
