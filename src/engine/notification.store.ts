export interface StoredNotification {
  id: string;
  type: string;
  title?: string;
  body?: string;
  data?: Record<string, unknown>;
  createdAt: string;
}

export interface NotificationRules {
  maxPending: number;
  ttlMs: number;
  now: number;
}

/** Pending notifications per user: newest `maxPending`, each forgotten after `ttlMs`. */
export abstract class NotificationStore {
  abstract add(userId: string, notification: StoredNotification, rules: NotificationRules): Promise<void>;
  /** Newest first. */
  abstract list(userId: string, rules: NotificationRules): Promise<StoredNotification[]>;
  /** Removes one; false when it was not pending (never stored, or expired). */
  abstract remove(userId: string, id: string, rules: NotificationRules): Promise<boolean>;
  /** Removes all; returns how many were still pending. */
  abstract clear(userId: string, rules: NotificationRules): Promise<number>;
}
