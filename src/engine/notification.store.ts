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
  /** Removes one; false when it was not pending. */
  abstract remove(userId: string, id: string): Promise<boolean>;
  abstract clear(userId: string): Promise<number>;
}
