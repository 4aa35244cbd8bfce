import { useEffect, useState } from 'preact/hooks';
import { login, register } from '../api/client.ts';
import { useUi } from '../context.ts';
import { codeOf } from '../load.ts';
import { ErrorNote, Title } from './common.tsx';

/**
 * Sign in. Where the account has a second factor, identity answers 401 `totp_required`; the form then
 * asks for the one-time code and sends it as `totpCode` with the same email and password.
 */
export function LoginScreen(props: { onSignedIn: () => void }) {
  const { t } = useUi();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined | null>(null);
  const [busy, setBusy] = useState(false);
  const asked = totp !== null;
  // The code field appears because the person just submitted the form; the focus follows them to it.
  useEffect(() => {
    if (asked) document.getElementById('totp')?.focus();
  }, [asked]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await login(email, password, totp ?? undefined);
      props.onSignedIn();
    } catch (err) {
      const code = codeOf(err);
      if (code === 'totp_required' && totp === null) {
        setTotp('');
        setError(null);
      } else setError(code);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="narrow">
      <Title>{t('loginTitle')}</Title>
      <form onSubmit={submit} aria-describedby={error !== null ? 'login-error' : undefined}>
        <Field
          id="email"
          label={t('email')}
          type="email"
          value={email}
          onInput={setEmail}
          autoComplete="username"
        />
        <Field
          id="password"
          label={t('password')}
          type="password"
          value={password}
          onInput={setPassword}
          autoComplete="current-password"
        />
        {totp !== null && (
          <>
            <p role="status">{t('totpNeeded')}</p>
            <Field
              id="totp"
              label={t('totpCode')}
              value={totp}
              onInput={setTotp}
              autoComplete="one-time-code"
              inputMode="numeric"
            />
          </>
        )}
        {error !== null && (
          <div id="login-error">
            <ErrorNote code={error} />
          </div>
        )}
        <button type="submit" disabled={busy}>
          {t('signIn')}
        </button>
      </form>
      <p>
        <a href="/register">{t('toRegister')}</a>
      </p>
    </section>
  );
}

export function RegisterScreen(props: { onSignedIn: () => void }) {
  const { t } = useUi();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await register(name, email, password);
      await login(email, password);
      props.onSignedIn();
    } catch (err) {
      setError(codeOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="narrow">
      <Title>{t('registerTitle')}</Title>
      <form onSubmit={submit}>
        <Field id="name" label={t('name')} value={name} onInput={setName} autoComplete="name" />
        <Field
          id="email"
          label={t('email')}
          type="email"
          value={email}
          onInput={setEmail}
          autoComplete="email"
        />
        <Field
          id="password"
          label={t('password')}
          type="password"
          value={password}
          onInput={setPassword}
          autoComplete="new-password"
        />
        {error !== null && <ErrorNote code={error} />}
        <button type="submit" disabled={busy}>
          {t('signUp')}
        </button>
      </form>
      <p>
        <a href="/login">{t('toLogin')}</a>
      </p>
    </section>
  );
}

export function Field(props: {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: 'text' | 'email' | 'password';
  autoComplete?: string;
  inputMode?: 'numeric' | 'decimal' | 'text';
  required?: boolean;
  describedBy?: string | undefined;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        // Preact's input types are a union by type; the three used here share every attribute set below.
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        required={props.required ?? true}
        aria-describedby={props.describedBy}
      />
    </div>
  );
}
