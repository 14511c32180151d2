/**
 * The HTTP boundary's one error type and one error handler: Pipewright codes map to status
 * codes and a `{"error":{"code","message","details"}}` body; unknown errors become a generic
 * 500 and are logged, never leaked.
 * @module
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ErrorCodes, isPipewrightError } from '../errors.js'

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.PIPELINE_NOT_FOUND]: 404,
  [ErrorCodes.RUN_NOT_FOUND]: 404,
  [ErrorCodes.DEAD_LETTER_NOT_FOUND]: 404,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.BAD_REQUEST]: 400,
  [ErrorCodes.PAYLOAD_INVALID]: 400,
  [ErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCodes.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCodes.BACK_PRESSURE]: 429,
  [ErrorCodes.STORE_UNAVAILABLE]: 503,
  [ErrorCodes.SHUTTING_DOWN]: 503,
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } }
}

export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details?: unknown,
  headers: Record<string, string> = {},
) {
  return reply
    .code(status)
    .headers(headers)
    .type('application/json')
    .send(errorBody(code, message, details))
}

/** Fastify error handler: our errors by code, fastify's client errors by their status, else 500. */
export function onError(log: (msg: string, err: unknown) => void) {
  return (error: FastifyError | Error, _req: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpError) return sendError(reply, error.status, error.code, error.message, error.details, error.headers)
    if (isPipewrightError(error) && STATUS_BY_CODE[error.code]) {
      const status = STATUS_BY_CODE[error.code]!
      const after = (error as { retryAfterMs?: number }).retryAfterMs
      const headers: Record<string, string> =
        status === 429 || status === 503 ? { 'retry-after': String(Math.max(1, Math.ceil((after ?? 5000) / 1000))) } : {}
      return sendError(reply, status, error.code, error.message.replace(/^\[PW_[A-Z_]+\] /, ''), error.details, headers)
    }
    const fe = error as FastifyError
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return sendError(reply, 413, ErrorCodes.PAYLOAD_TOO_LARGE, 'request body is larger than this endpoint accepts')
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')
      return sendError(reply, 415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'unsupported or missing content type')
    if (
      fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (fe.statusCode === 400 && fe.code?.startsWith('FST_'))
    )
      return sendError(reply, 400, ErrorCodes.BAD_REQUEST, fe.message)
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
      return sendError(reply, fe.statusCode, ErrorCodes.BAD_REQUEST, fe.message)
    log('unhandled error in HTTP handler', error)
    return sendError(reply, 500, ErrorCodes.INTERNAL, 'internal error; see the server log')
  }
}
