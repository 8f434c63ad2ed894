import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { PublicConfigResponse } from '@claudemesh/shared/dto';

import { AuthService } from '../core/auth.service';
import { HealthApiService, ReadinessReport } from './health-api.service';

@Component({
  selector: 'cm-home',
  imports: [RouterLink],
  templateUrl: './home.component.html',
  styleUrl: './home.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HomeComponent implements OnInit {
  protected readonly auth = inject(AuthService);
  private readonly health = inject(HealthApiService);
  protected readonly ready = signal<ReadinessReport | null>(null);
  protected readonly config = signal<PublicConfigResponse | null>(null);

  ngOnInit(): void {
    void this.refresh();
    this.auth.config().then((c) => this.config.set(c), () => undefined);
  }

  protected async refresh(): Promise<void> {
    this.ready.set(null);
    this.ready.set(await this.health.readiness());
  }
}
