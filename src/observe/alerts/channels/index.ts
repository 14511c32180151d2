/**
 * The channel types, by `type`. A new way of telling people is one file in this folder and
 * one line here.
 * @module
 */
import type { ChannelType } from '../contract.js'
import { emailChannel } from './email.js'
import { slackChannel } from './slack.js'
import { webhookChannel } from './webhook.js'

export const channelTypes: readonly ChannelType[] = [slackChannel, emailChannel, webhookChannel]

export function channelType(type: string): ChannelType | undefined {
  return channelTypes.find((c) => c.type === type)
}
