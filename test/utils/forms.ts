import type request from 'supertest';

/** The CSRF token of the first form on a page. */
export function csrfToken(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field on the page');
  return match[1];
}

/** GETs the form page, then POSTs the fields with its CSRF token, as a browser would. */
export async function submitForm(
  agent: request.Agent,
  page: string,
  action: string,
  fields: Record<string, string>,
): Promise<request.Response> {
  const form = await agent.get(page);
  return agent
    .post(action)
    .type('form')
    .send({ ...fields, _csrf: csrfToken(form.text) });
}

export const register = (agent: request.Agent, name: string, password = 'correct horse') =>
  submitForm(agent, '/register', '/register', { name, password });

export const signIn = (
  agent: request.Agent,
  name: string,
  password = 'correct horse',
  extra: Record<string, string> = {},
) => submitForm(agent, '/login', '/login', { name, password, ...extra });

/** The Set-Cookie line for one cookie, or undefined. */
export function setCookie(res: request.Response, name: string): string | undefined {
  const header = res.headers['set-cookie'] as unknown as string[] | undefined;
  return header?.find((line) => line.startsWith(`${name}=`));
}

/** The `name=value` pair a response sets for one cookie (the session cookie by default), to replay. */
export function cookiePair(res: request.Response, name = 'sid'): string | undefined {
  return setCookie(res, name)?.split(';')[0];
}
