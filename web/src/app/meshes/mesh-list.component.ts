import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { MeshListItem } from '@claudemesh/shared/dto';

import { RoleBadgeComponent } from '../shared/role-badge.component';
import { MeshApiService } from './mesh-api.service';

@Component({
  selector: 'cm-mesh-list',
  imports: [RouterLink, DatePipe, RoleBadgeComponent],
  templateUrl: './mesh-list.component.html',
  styleUrl: './mesh-list.component.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MeshListComponent implements OnInit {
  private readonly api = inject(MeshApiService);
  protected readonly meshes = signal<MeshListItem[] | null>(null);
  protected readonly archived = signal(false);
  protected readonly failed = signal<string | null>(null);

  ngOnInit(): void {
    void this.load();
  }

  protected show(archived: boolean): void {
    if (this.archived() === archived) return;
    this.archived.set(archived);
    void this.load();
  }

  protected async load(): Promise<void> {
    this.meshes.set(null);
    this.failed.set(null);
    try {
      const page = await this.api.list(this.archived());
      this.meshes.set(page.data);
    } catch (err) {
      this.failed.set(err instanceof Error ? err.message : String(err));
      this.meshes.set([]);
    }
  }
}
