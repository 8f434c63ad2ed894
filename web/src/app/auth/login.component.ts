import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';

import { AuthService } from '../core/auth.service';
import { LogoComponent } from '../shared/logo.component';
import { safeNext } from '../shared/field-errors';

@Component({
  selector: 'cm-login',
  imports: [ReactiveFormsModule, RouterLink, LogoComponent],
  templateUrl: './login.component.html',
  styleUrl: './auth-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LoginComponent implements OnInit {
  /** ?next= from the 401 redirect. */
  readonly next = input<string>();
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly busy = signal(false);
  protected readonly needsSetup = signal(false);
  protected readonly signupOpen = signal(false);
  protected readonly form = new FormGroup({
    email: new FormControl('', { nonNullable: true }),
    password: new FormControl('', { nonNullable: true }),
  });

  ngOnInit(): void {
    this.auth.config().then(
      (c) => {
        this.needsSetup.set(c.needsSetup);
        this.signupOpen.set(c.allowSignup);
      },
      () => undefined,
    );
  }

  protected async submit(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    try {
      const { email, password } = this.form.getRawValue();
      await this.auth.login(email, password);
      await this.router.navigateByUrl(safeNext(this.next()));
    } catch {
      // The interceptor already showed the server's message.
    } finally {
      this.busy.set(false);
    }
  }
}
