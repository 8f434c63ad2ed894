import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every metric of operations.md §4, on a registry of this app instance (so several apps can live in one test process).
 * Labels take bounded values only: route templates, codes, enums.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly peerConnections = this.gauge('claudemesh_peer_connections', 'Connected /peer sockets on this node', ['passive']);
  readonly peerHandshakesTotal = this.counter('claudemesh_peer_handshakes_total', '/peer handshakes by result (ok or the connect_error code)', ['result']);
  readonly messagesSentTotal = this.counter('claudemesh_messages_sent_total', 'Messages accepted', ['kind', 'priority']);
  readonly messagesRejectedTotal = this.counter('claudemesh_messages_rejected_total', 'Sends rejected, by ack error code', ['code']);
  readonly deliveriesPushedTotal = this.counter('claudemesh_deliveries_pushed_total', 'Deliveries pushed to sessions', ['attempt']);
  readonly deliveriesAckedTotal = this.counter('claudemesh_deliveries_acked_total', 'Deliveries acked by recipients', []);
  readonly sendAckSeconds = this.histogram('claudemesh_send_ack_seconds', 'Time from send received to ack sent', []);
  readonly deliverySeconds = this.histogram('claudemesh_delivery_seconds', 'Time from send committed to first push', []);
  readonly queueDepth = this.gauge('claudemesh_queue_depth', 'Unacked delivery rows (leader, every 30 s)', []);
  readonly presences = this.gauge('claudemesh_presences', 'Non-ended presences by state (leader)', ['state']);
  readonly hookRequestsTotal = this.counter('claudemesh_hook_requests_total', 'POST /hook/set-status by result', ['result']);
  readonly inviteClaimsTotal = this.counter('claudemesh_invite_claims_total', 'Invite claims and joins', ['version', 'result']);
  readonly auditLagSeconds = this.gauge('claudemesh_audit_lag_seconds', 'Age of the oldest unaudited message', []);
  readonly mailTotal = this.counter('claudemesh_mail_total', 'Mails by transport and result', ['transport', 'result']);
  readonly rateLimitedTotal = this.counter('claudemesh_rate_limited_total', 'Requests refused by a rate limit', ['scope']);
  readonly httpRequestsTotal = this.counter('claudemesh_http_requests_total', 'HTTP requests by route template', ['method', 'route', 'status']);
  readonly httpRequestSeconds = this.histogram('claudemesh_http_request_seconds', 'HTTP request duration by route template', ['method', 'route', 'status']);
  readonly dbUp = this.gauge('claudemesh_db_up', '1 when the last database probe succeeded', []);
  readonly leader = this.gauge('claudemesh_leader', '1 on the node that holds the task lock, else 0', ['task']);

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'claudemesh_' });
    // Unlabelled gauges start at 0 so they are exposed before their first update.
    this.deliveriesAckedTotal.inc(0);
    this.queueDepth.set(0);
    this.auditLagSeconds.set(0);
    this.dbUp.set(0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]) {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[]) {
    return new Gauge<L>({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: L[]) {
    return new Histogram<L>({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  }
}
