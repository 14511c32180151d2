import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createBullmqDispatch } from '../src/dispatch/bullmq.js'
import { dispatchSuite } from './conformance/dispatch-suite.js'
import { deleteKeys, REDIS_URL, redisReachable } from './distributed/helpers/services.js'

const reachable = await redisReachable()
if (!reachable) console.warn(`BullMQ dispatch tests skipped: no Redis at ${REDIS_URL}`)

const prefix = `pwtest${randomBytes(4).toString('hex')}`
afterAll(async () => {
  if (reachable) await deleteKeys(`${prefix}:*`)
})

const fresh = () => createBullmqDispatch({ url: REDIS_URL, prefix, queueName: `q${randomBytes(6).toString('hex')}`, lockDurationMs: 5000 })

describe.skipIf(!reachable)('BullMQ dispatch', () => {
  dispatchSuite('bullmq', async () => {
    const dispatch = await fresh()
    return {
      dispatch,
      cleanup: async () => {
        await dispatch.close()
        await deleteKeys(`${prefix}:${dispatch.queueName}:*`)
      },
    }
  })

  describe('BullMQ specifics', () => {
    it('keeps the job payload to the run id', async () => {
      const dispatch = await fresh()
      const redis = new Redis(REDIS_URL)
      try {
        await dispatch.dispatch('run_payload_check')
        const data = await redis.hget(`${prefix}:${dispatch.queueName}:run_payload_check`, 'data')
        expect(JSON.parse(data!)).toEqual({ runId: 'run_payload_check' })
      } finally {
        redis.disconnect()
        await dispatch.close()
        await deleteKeys(`${prefix}:${dispatch.queueName}:*`)
      }
    })

    it('resolves dispatch without throwing when Redis is unreachable, and reports the error', async () => {
      const errors: string[] = []
      const dispatch = await createBullmqDispatch({
        url: 'redis://127.0.0.1:1',
        connection: { retryStrategy: () => 200, connectTimeout: 200 },
        queueName: 'never',
        dispatchTimeoutMs: 300,
        onError: (message) => errors.push(message),
      })
      try {
        const t0 = Date.now()
        await expect(dispatch.dispatch('run_lost_to_redis')).resolves.toBeUndefined()
        await expect(dispatch.dispatchMany([{ runId: 'run_a' }, { runId: 'run_b' }])).resolves.toBeUndefined()
        expect(Date.now() - t0).toBeLessThan(1500)
        expect(errors.some((m) => m.includes('sweeper'))).toBe(true)
      } finally {
        await dispatch.close()
      }
    })

    it('keeps delivering after the queue keys vanish (Redis flushed)', async () => {
      const dispatch = await fresh()
      const seen: string[] = []
      try {
        await dispatch.startWorker(async (id) => void seen.push(id), { concurrency: 2 })
        await dispatch.dispatch('run_before_flush')
        await expect.poll(() => seen.includes('run_before_flush'), { timeout: 5000 }).toBe(true)
        await deleteKeys(`${prefix}:${dispatch.queueName}:*`)
        await dispatch.dispatch('run_after_flush')
        await expect.poll(() => seen.includes('run_after_flush'), { timeout: 8000 }).toBe(true)
      } finally {
        await dispatch.close()
        await deleteKeys(`${prefix}:${dispatch.queueName}:*`)
      }
    })
  })
})
