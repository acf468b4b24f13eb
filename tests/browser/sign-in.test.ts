/** Signing in and out of the staff pages in Chromium, and the page an ended session goes to. */
import { describe, expect, it } from 'vitest';
import { axeCheck, shot, signIn, useBrowser, usernameOf } from './helpers.ts';

const s = useBrowser();

describe('sign in', { timeout: 90_000 }, () => {
  it('the sign-in page passes axe, a wrong password is refused with the error summary', async () => {
    const page = s.page;
    await page.goto(s.url('/login'));
    await expect.poll(() => page.title()).toMatch(/^Sign in/);
    await axeCheck(page, 'the sign-in page');
    await shot(page, 'login');

    await page.getByLabel('Username').fill(usernameOf('support'));
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await expect.poll(() => summary.textContent()).toContain('The username or password is wrong');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.title()).toMatch(/^Error: Sign in/);
    // the username is kept, the password is not
    expect(await page.getByLabel('Username').inputValue()).toBe(usernameOf('support'));
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await axeCheck(page, 'the sign-in page with a wrong password');
    await shot(page, 'login-wrong-password');
  });

  it('empty fields are named beside each field', async () => {
    const page = s.page;
    await page.goto(s.url('/login'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#username-error').textContent()).toContain('Enter your username');
    expect(await page.locator('#password-error').textContent()).toContain('Enter your password');
    await axeCheck(page, 'the sign-in page with empty fields');
  });

  it('signs in to the page asked for, shows who is signed in, and signs out', async () => {
    const page = s.page;
    await page.goto(s.url('/cases'));
    // signed out: to the sign-in page, coming back after
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/cases');
    expect(new URL(page.url()).searchParams.get('expired')).toBeNull();
    await signIn(page, 'support');
    expect(new URL(page.url()).pathname).toBe('/cases');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Cases');
    const account = page.getByRole('navigation', { name: 'Account' });
    expect(await account.textContent()).toMatch(/support/i);
    await axeCheck(page, 'the case list after signing in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    // signed out: the staff pages send you back to sign in
    await page.goto(s.url('/cases'));
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('an ended session goes to the sign-in page with the notice, and back to the page after signing in', async () => {
    const page = s.page;
    await signIn(page, 'officer', s.base);
    // the session ends on the server (expiry or an administrator ending it)
    await s.t.db('session').delete();
    await page.goto(s.url('/cases?kind=application'));
    const url = new URL(page.url());
    expect(url.pathname).toBe('/login');
    expect(url.searchParams.get('expired')).toBe('1');
    expect(url.searchParams.get('next')).toBe('/cases?kind=application');
    const banner = page.getByRole('region', { name: /important/i });
    await expect.poll(() => banner.textContent()).toContain('Your session has ended. Sign in again to carry on.');
    await axeCheck(page, 'the sign-in page after the session ended');
    await shot(page, 'login-session-ended');
    await signIn(page, 'officer');
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/cases?kind=application');
  });
});
