import { userInfo } from 'node:os';
import type { Source } from '../types.js';

/**
 * Who acts (creates, approves, applies): the etcd user when the source authenticates, since that
 * cannot be claimed falsely through Dials; else who the caller says; else the environment's, as
 * releases name their author (`defaultAuthor()` in publish.ts, which this file may not import:
 * publish.ts imports the approval gate).
 */
export function actorOf(source: Source, given?: string): string {
  return source.user ?? given ?? environmentAuthor();
}

/** `DIALS_AUTHOR`, else the OS user (from the environment, else the account: a root shell may set no USER). */
export function environmentAuthor(): string {
  const named = process.env.DIALS_AUTHOR ?? process.env.USER ?? process.env.USERNAME;
  if (named) return named;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown'; // no account entry for this uid (some containers)
  }
}
