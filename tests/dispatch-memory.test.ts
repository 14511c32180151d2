import { createMemoryDispatch } from '../src/dispatch/memory.js'
import { systemClock } from '../src/engine/clock.js'
import { dispatchSuite } from './conformance/dispatch-suite.js'

dispatchSuite('memory', async () => {
  const dispatch = createMemoryDispatch({ clock: systemClock })
  return { dispatch, cleanup: () => dispatch.close() }
})
