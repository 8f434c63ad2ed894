import { Injectable, OnDestroy, signal } from '@angular/core';
import type { UiServerEvents } from '@claudemesh/shared/protocol';
import { Socket, io } from 'socket.io-client';

export type LiveState = 'connecting' | 'live' | 'offline' | 'ended';
export type LiveTopic = 'members' | 'invites' | 'audit';

/**
 * The mesh page's subscription to the /ui namespace (api.md §10): websocket only, authenticated by the session cookie that the
 * browser sends with the upgrade. Events are coalesced and handed to `onChange` so the page refetches what changed.
 */
@Injectable()
export class MeshLiveService implements OnDestroy {
  private socket: Socket | null = null;
  private pending = new Set<LiveTopic>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  readonly state = signal<LiveState>('connecting');

  start(meshId: string, onChange: (topics: Set<LiveTopic>) => void): void {
    this.stop();
    const socket = io('/ui', { path: '/socket.io', transports: ['websocket'], withCredentials: true });
    this.socket = socket;
    const changed = (topic: LiveTopic) => (payload: { meshId: string }) => {
      if (payload?.meshId !== meshId) return;
      this.pending.add(topic);
      // Coalesce bursts (a join produces presence + members_changed + audit_appended) into one refetch.
      clearTimeout(this.flushTimer);
      this.flushTimer = setTimeout(() => {
        const topics = this.pending;
        this.pending = new Set();
        onChange(topics);
      }, 120);
    };
    socket.on('connect', () => {
      this.state.set('connecting');
      socket.emit('subscribe', { meshId }, (ack: { ok: boolean } | undefined) => {
        this.state.set(ack?.ok ? 'live' : 'offline');
        // Anything may have changed while we were away.
        if (ack?.ok) changed('members')({ meshId });
      });
    });
    socket.on('disconnect', () => this.state.set('offline'));
    socket.on('connect_error', () => this.state.set('offline'));
    socket.on('presence' satisfies keyof UiServerEvents, changed('members'));
    socket.on('members_changed' satisfies keyof UiServerEvents, changed('members'));
    socket.on('invites_changed' satisfies keyof UiServerEvents, changed('invites'));
    socket.on('audit_appended' satisfies keyof UiServerEvents, changed('audit'));
    socket.on('subscription_ended' satisfies keyof UiServerEvents, (p: UiServerEvents['subscription_ended']) => {
      if (p?.meshId === meshId) this.state.set('ended');
    });
  }

  stop(): void {
    clearTimeout(this.flushTimer);
    this.pending.clear();
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
  }

  ngOnDestroy(): void {
    this.stop();
  }
}
