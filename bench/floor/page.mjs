// What the floor servers render: the app's own views (views/index.hbs in the package's
// layout.hbs, with its partials) and the locals the app gives signed-in GET / (a fixed user,
// a fixed CSRF token, the light theme), so the page is the app's page byte for byte apart
// from the token. Set once at start-up: a floor does no per-request work of its own.
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const PACKAGE = join(ROOT, 'packages', 'nest-session-auth');

export const VIEWS = [join(ROOT, 'views'), join(PACKAGE, 'views')];
export const PARTIALS = join(PACKAGE, 'views', 'partials');

/** The signed-in user of every request. */
export const USER = { id: 'floor-user', name: 'bench-user' };

/** app.locals: what the app sets once (configureApp, AuthModule) and per request (guard, CSRF, theme). */
export const LOCALS = {
  siteName: 'nest-session-auth',
  navLinks: [{ href: '/cart', label: 'Cart' }],
  authRoutes: {
    login: '/login',
    register: '/register',
    logout: '/logout',
    sessions: '/sessions',
    account: '/account',
    home: '/',
  },
  user: USER,
  csrfToken: 'Zmxvb3ItdG9rZW4tZmxvb3ItdG9rZW4tZmxvb3ItdG9rZW4tZmxvb3ItdG9rZW4tZmxvb3ItdG9r',
  theme: 'light',
  themeToggle: { action: '/preferences', theme: 'dark', label: 'Dark theme', next: '/' },
};

/** The view model HomeController returns. */
export const homeModel = () => ({ title: 'Home', name: USER.name });
