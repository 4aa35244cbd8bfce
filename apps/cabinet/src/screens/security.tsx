import { useState } from 'preact/hooks';
import { api, refresh, tokenSaysTotp } from '../api/client.ts';
import type { TotpEnrollment } from '../api/types.ts';
import { useUi } from '../context.ts';
import { usePages } from '../load.ts';
import { ActionNote, Show, Title, useAction } from './common.tsx';

/**
 * Security (ADR 0029): where the person is signed in, with a way to end any of those logins
 * (GET/DELETE /v1/auth/sessions), and their authenticator app (ADR 0026): set up, confirm with a first
 * code, the recovery codes shown once, and turning it off with a code.
 */
export function SecurityScreen() {
  const { t } = useUi();
  return (
    <section>
      <Title>{t('securityTitle')}</Title>
      <Sessions />
      <Totp />
    </section>
  );
}

function Sessions() {
  const { t, date } = useUi();
  const { state, more, reload } = usePages(() => api.sessions(), []);
  const action = useAction();
  const [ended, setEnded] = useState(false);
  const end = (id: string) =>
    void action.run(async () => {
      setEnded(false);
      await api.endSession(id);
      setEnded(true);
      reload();
    });
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('sessionsTitle')}</h2>
      <p>{t('sessionsIntro')}</p>
      <ActionNote action={action} id="sessions" />
      {ended && (
        <p class="ok" role="status">
          {t('sessionEnded')}
        </p>
      )}
      <Show state={state}>
        {(sessions) =>
          sessions.length === 0 ? (
            <p>{t('noSessions')}</p>
          ) : (
            <ul class="cards" data-testid="sessions">
              {sessions.map((s, i) => (
                <li key={s.id} class="card">
                  <dl class="balances">
                    <div>
                      <dt>{t('sessionStarted')}</dt>
                      <dd>{date(s.createdAt)}</dd>
                    </div>
                    <div>
                      <dt>{t('sessionLastUsed')}</dt>
                      <dd>{date(s.lastUsedAt)}</dd>
                    </div>
                  </dl>
                  <button
                    type="button"
                    class="secondary"
                    disabled={action.busy}
                    // Two logins in the same minute read alike: the number tells their buttons apart.
                    aria-label={t('endSessionOf', { n: i + 1, at: date(s.createdAt) })}
                    onClick={() => end(s.id)}
                  >
                    {t('endSession')}
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
      {more && (
        <button type="button" class="secondary" onClick={() => void more()}>
          {t('more')}
        </button>
      )}
    </section>
  );
}

type TotpStep =
  | { readonly kind: 'off' }
  | { readonly kind: 'pending'; readonly enrollment: TotpEnrollment }
  | { readonly kind: 'codes'; readonly recoveryCodes: readonly string[] }
  | { readonly kind: 'on' };

/**
 * The QR code comes as SVG markup from identity. It is shown as an image from a data: URI, never put into
 * the page as markup: an SVG image runs no script and loads nothing, whatever the markup says.
 */
const svgImage = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

function Totp() {
  const { t } = useUi();
  const [step, setStep] = useState<TotpStep>(() => ({ kind: tokenSaysTotp() ? 'on' : 'off' }));
  const [code, setCode] = useState('');
  const [disabled, setDisabled] = useState(false);
  const action = useAction();
  const enroll = () =>
    void action.run(async () => {
      setDisabled(false);
      try {
        setStep({ kind: 'pending', enrollment: await api.totpEnroll() });
      } catch (err) {
        // An authenticator set up elsewhere (another browser): say so instead of offering a second one.
        if ((err as { code?: string }).code === 'totp_already_enrolled') setStep({ kind: 'on' });
        throw err;
      }
    });
  const confirm = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const { recoveryCodes } = await api.totpConfirm(code.trim());
      setCode('');
      setStep({ kind: 'codes', recoveryCodes });
      // The next access token says the authenticator is confirmed, which staff routes require.
      await refresh();
    });
  };
  const disable = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api.totpDisable(code.trim());
      setCode('');
      setStep({ kind: 'off' });
      setDisabled(true);
      await refresh();
    });
  };
  const codeField = (id: string, label: string) => (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        value={code}
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={6}
        onInput={(e) => setCode(e.currentTarget.value)}
      />
    </div>
  );
  return (
    <section aria-labelledby="totp-title" class="panel">
      <h2 id="totp-title">{t('totpTitle')}</h2>
      <p>{t('totpIntro')}</p>
      {disabled && (
        <p class="ok" role="status">
          {t('totpDisabled')}
        </p>
      )}
      {step.kind === 'off' && (
        <>
          <p>{t('totpOff')}</p>
          <button type="button" disabled={action.busy} onClick={enroll}>
            {t('totpEnroll')}
          </button>
        </>
      )}
      {step.kind === 'pending' && (
        <form onSubmit={confirm} class="narrow">
          <p>{t('totpScan')}</p>
          <img
            class="qr"
            src={svgImage(step.enrollment.qrSvg)}
            alt={t('totpQrAlt')}
            width={200}
            height={200}
          />
          <p>
            {t('totpSecret')}: <code data-testid="totp-secret">{step.enrollment.secret}</code>
          </p>
          {codeField('totp-confirm-code', t('totpConfirmCode'))}
          <button type="submit" disabled={action.busy}>
            {t('totpConfirm')}
          </button>
        </form>
      )}
      {step.kind === 'codes' && (
        <div>
          <h3>{t('recoveryTitle')}</h3>
          <p role="status">{t('recoveryIntro')}</p>
          <ol class="recovery" data-testid="recovery-codes">
            {step.recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ol>
          <button type="button" onClick={() => setStep({ kind: 'on' })}>
            {t('recoveryDone')}
          </button>
        </div>
      )}
      {step.kind === 'on' && (
        <form onSubmit={disable} class="narrow">
          <p>{t('totpOn')}</p>
          {codeField('totp-disable-code', t('totpDisableCode'))}
          <button type="submit" class="secondary" disabled={action.busy}>
            {t('totpDisable')}
          </button>
        </form>
      )}
      <ActionNote action={action} id="totp" />
    </section>
  );
}
