import { Injectable, Logger } from '@nestjs/common';
import { DeliveryService } from '../delivery/delivery.service.js';
import { EngineBus } from '../engine/engine-bus.js';
import { type ServiceStatusEntry, StatusStore } from '../engine/status.store.js';
import { Rooms } from '../socket/rooms.js';
import type { StatusReport } from './uptime-kuma.js';

/** The status page (docs/protocol.md §4.7): snapshot in the store, changes broadcast to `status-updates`. */
@Injectable()
export class StatusService {
  private readonly logger = new Logger(StatusService.name);

  constructor(
    private readonly store: StatusStore,
    private readonly delivery: DeliveryService,
    private readonly bus: EngineBus,
  ) {}

  async report(report: StatusReport): Promise<{ service: string; status: string; timestamp: string }> {
    const timestamp = new Date().toISOString();
    const entry: ServiceStatusEntry = { status: report.status, updatedAt: timestamp, ...(report.message ? { message: report.message } : {}) };
    await this.store.set(report.service, entry);
    this.delivery.toRoom(Rooms.status, 'service:status', {
      service: report.service,
      status: report.status,
      ...(report.message ? { message: report.message } : {}),
      timestamp,
    });
    return { service: report.service, status: report.status, timestamp };
  }

  async current(): Promise<{ services: Record<string, ServiceStatusEntry> }> {
    return { services: await this.store.snapshot() };
  }

  /** Tells subscribers a refresh is under way and asks backends (the bus channel `{prefix}:status-refresh`) for fresh reports. */
  async requestRefresh(requestedBy: string): Promise<{ requestedBy: string; timestamp: string }> {
    const request = { requestedBy, timestamp: new Date().toISOString() };
    this.delivery.toRoom(Rooms.status, 'status:refreshing', request);
    await this.bus.publish(this.bus.channelName('status-refresh'), JSON.stringify(request)).catch((err: Error) => {
      this.logger.warn({ reason: err.message }, 'Could not publish the status refresh request');
    });
    return request;
  }
}
