export interface ServiceStatusEntry {
  status: string;
  message?: string;
  updatedAt: string;
}

/** The status page snapshot: last report per service, shared by all nodes. */
export abstract class StatusStore {
  abstract set(service: string, entry: ServiceStatusEntry): Promise<void>;
  abstract snapshot(): Promise<Record<string, ServiceStatusEntry>>;
}
