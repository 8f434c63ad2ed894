import { ChangeDetectionStrategy, Component, OnInit, computed, signal } from '@angular/core';

import { VectorResult, runCryptoVectors } from './crypto-vectors';

/** Runs the contract's crypto vectors with the shared/ helpers inside this browser bundle (C-GEN-3). */
@Component({
  selector: 'cm-selftest',
  template: `<div class="container page">
    <h1>Browser crypto self-test</h1>
    <p class="muted">The protocol.md §11 and invites.md §10 vectors, computed by the shared helpers in this browser.</p>
    @if (error(); as e) {
      <div class="alert alert-error" role="alert" data-testid="selftest-error"><span>{{ e }}</span></div>
    }
    @if (results(); as rows) {
      <p data-testid="selftest-summary" [attr.data-passed]="passed()" [attr.data-total]="rows.length">
        <strong>{{ passed() }} of {{ rows.length }} vectors match</strong>
      </p>
      <div class="card card-flush">
        <div class="table-wrap">
          <table class="table">
            <thead><tr><th scope="col">Vector</th><th scope="col">Result</th><th scope="col">Computed</th></tr></thead>
            <tbody>
              @for (r of rows; track r.name) {
                <tr [attr.data-ok]="r.ok">
                  <td>{{ r.name }}</td>
                  <td><span class="badge" [class.badge-success]="r.ok" [class.badge-danger]="!r.ok">{{ r.ok ? 'match' : 'MISMATCH' }}</span></td>
                  <td class="mono small break">{{ r.actual }}</td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      </div>
    } @else if (!error()) {
      <p aria-busy="true">Running…</p>
    }
  </div>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SelftestComponent implements OnInit {
  protected readonly results = signal<VectorResult[] | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly passed = computed(() => (this.results() ?? []).filter((r) => r.ok).length);

  ngOnInit(): void {
    runCryptoVectors().then(
      (rows) => this.results.set(rows),
      (e: unknown) => this.error.set(e instanceof Error ? e.message : String(e)),
    );
  }
}
