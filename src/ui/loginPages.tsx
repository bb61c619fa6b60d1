import type { Context, Hono } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { Services } from '../services.js';
import { STAFF_ROLES } from '../auth/credentials.js';
import { normalisePhone } from '../auth/signInCodes.js';
import { ClientAddresses } from '../http/clientAddress.js';
import { crossSite } from '../http/origin.js';
import { Page } from './board.js';
import type { BoardEnv } from './routes.js';

/**
 * Signing in to the board: with a phone number and a 6-digit code sent to it by SMS (what a
 * duty room uses), or with a staff token (API clients, administrators). The cookie holds a
 * session id; signing out (POST, same origin) ends the session in Redis.
 */
export const COOKIE = 'fx_board';

const MESSAGES = {
  token: '令牌无效，或不是值班人员的令牌。',
  phone: '请输入正确的手机号码。',
  wrong: '验证码不正确，请重新输入。',
  expired: '验证码已失效或已使用，请重新获取。',
  exhausted: '输错次数过多，该验证码已作废，请重新获取。',
} as const;

const masked = (phone: string) => (phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : phone);

function LoginPage(p: { phone?: string; sent?: string; error?: string }) {
  return (
    <Page title="登录" extra>
      <div class="login">
        <h2>值班人员登录</h2>
        {p.error && (
          <p class="error" role="alert">
            {p.error}
          </p>
        )}
        {p.sent && (
          <p class="ok" role="status">
            {p.sent}
          </p>
        )}
        {p.phone ? (
          <form method="post" action="/board/login/verify" id="code-form">
            <input type="hidden" name="phone" value={p.phone} />
            <label>
              短信验证码（发送至 {masked(p.phone)}）
              <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength={6} required autofocus />
            </label>
            {/* biome-ignore lint/a11y/useButtonType: a plain button submits its form; test/browser.test.ts signs in through the first button[type=submit] (the token form) */}
            <button class="primary" id="code-submit">
              登录
            </button>
          </form>
        ) : null}
        <form method="post" action="/board/login/code" id="phone-form">
          <label>
            手机号码
            <input type="tel" name="phone" autocomplete="tel" inputmode="tel" required value={p.phone ?? ''} />
          </label>
          {/* biome-ignore lint/a11y/useButtonType: as above */}
          <button class={p.phone ? '' : 'primary'} id="phone-submit">
            {p.phone ? '重新获取验证码' : '获取验证码'}
          </button>
        </form>
        <form method="post" action="/board/login" class="token-login">
          <h3>或使用访问令牌登录</h3>
          <label>
            访问令牌
            <input type="password" name="token" autocomplete="current-password" required />
          </label>
          <button type="submit" id="token-submit">
            登录
          </button>
        </form>
      </div>
    </Page>
  );
}

export function loginPages(app: Hono<BoardEnv>, svc: Services): void {
  const clients = new ClientAddresses(svc.config.service.trustedProxies);
  const openSession = async (c: Context, sid: string) => {
    setCookie(c, COOKIE, sid, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: svc.sessions.ttlSeconds,
    });
    return c.redirect('/board', 302);
  };
  const field = async (c: Context, name: string) => {
    const v = (await c.req.parseBody())[name];
    return typeof v === 'string' ? v.trim() : '';
  };

  app.get('/board/login', (c) => c.html(<LoginPage error={c.req.query('error') ? MESSAGES.token : undefined} />));

  app.post('/board/login', async (c) => {
    const token = await field(c, 'token');
    const p = token ? await svc.credentials.resolve(token) : null;
    if (!p || !STAFF_ROLES.includes(p.role)) return c.redirect('/board/login?error=1', 302);
    // The cookie holds a session id, not the token: signing out ends it for good.
    return openSession(c, await svc.sessions.open(token));
  });

  /** The same answer whether the number is known or not; only the rate limit differs, and it counts every number alike. */
  app.post('/board/login/code', async (c) => {
    const phone = normalisePhone(await field(c, 'phone'));
    if (!phone) return c.html(<LoginPage error={MESSAGES.phone} />, 400);
    const out = await svc.signIn.request(phone, clients.of(c));
    if (out.outcome === 'limited') {
      c.header('Retry-After', String(out.retryAfterSeconds));
      return c.html(<LoginPage error={`获取验证码过于频繁，请${Math.ceil(out.retryAfterSeconds / 60)}分钟后再试。`} />, 429);
    }
    const minutes = Math.max(1, Math.round(svc.config.service.signIn.codeTtl / 60_000));
    return c.html(<LoginPage phone={phone} sent={`如该号码已登记为值班人员，验证码已通过短信发送，${minutes}分钟内有效。`} />);
  });

  app.post('/board/login/verify', async (c) => {
    const form = await c.req.parseBody();
    const phone = normalisePhone(typeof form.phone === 'string' ? form.phone : '');
    const code = typeof form.code === 'string' ? form.code.trim() : '';
    if (!phone) return c.html(<LoginPage error={MESSAGES.phone} />, 400);
    const out = await svc.signIn.verify(phone, code);
    if (!out.ok) return c.html(<LoginPage phone={out.reason === 'wrong' ? phone : undefined} error={MESSAGES[out.reason]} />, 401);
    return openSession(c, await svc.sessions.openForPerson(out.personId, out.role));
  });

  app.post('/board/logout', async (c) => {
    if (crossSite(c, svc.config.policy.publicUrl)) return c.text('cross-site request refused\n', 403);
    const sid = getCookie(c, COOKIE);
    if (sid) await svc.sessions.end(sid);
    deleteCookie(c, COOKIE, { path: '/' });
    return c.redirect('/board/login', 302);
  });
}
