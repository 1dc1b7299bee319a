import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, createApiClient, type ApiClient } from './api/api-client.js';
import { loadChartParts } from './charts/e-chart.js';
import { createLocale, LOCALE, LocaleContext, useLocale, type Lang } from './i18n/i18n.js';
import { guardedClient } from './shell/guarded-client.js';
import { hashOf, parseHash, type HashRoute } from './shell/hash-route.js';
import { HeaderBar } from './shell/header-bar.js';
import { LoginPage } from './shell/login-page.js';
import { OrgTree } from './shell/org-tree.js';
import { buildOrgTree, type OrgNode } from './shell/org-tree-model.js';
import { saveLang, savedLang, savedToken, saveToken } from './shell/saved-state.js';
import { shellMessages } from './shell/shell-messages.js';
import { ViewTabs } from './shell/view-tabs.js';
import type { DashboardView, OrgEntry, Session } from './views/dashboard-view.js';
import { VIEWS } from './views/views.js';

/** The fleet's zone when the tree names none (the demo fleet and every institution of ours are in China). */
const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** A token's check: who it is and the tree it may see, or why not (never a rejected promise). */
type Check = { ok: true; session: Session; orgs: OrgEntry[] } | { ok: false; error: unknown };

type Auth =
  | { kind: 'login'; notice?: { key: 'refused' | 'sessionEnded' | 'unreachable'; code: string; message: string } }
  | { kind: 'checking'; token: string; check: Promise<Check> }
  | { kind: 'in'; token: string; session: Session; api: ApiClient; orgs: readonly OrgEntry[] };

/**
 * Checks a token: who it is (GET /session) and the tree it may see (GET /orgs), asked together: the first view
 * waits for both, and a refused token is refused by either. Asked when the state is made, not from an effect
 * after the first paint: on a page opened with a token, the requests leave as soon as the script runs.
 */
function checking(token: string): Extract<Auth, { kind: 'checking' }> {
  const raw = createApiClient(token);
  const orgs = raw.get<{ orgs: OrgEntry[] }>('/orgs');
  prefetchFirstView(raw, orgs);
  const check = Promise.all([raw.get<Session>('/session'), orgs]).then(
    ([session, { orgs }]): Check => ({ ok: true, session, orgs }),
    (error: unknown): Check => ({ ok: false, error }),
  );
  return { kind: 'checking', token, check };
}

/**
 * The first view's data asked beside the check, not after it: at once when the address names the org, else as
 * soon as /orgs names the tree's root (the org Workspace opens on). Then, if the view draws charts, the chart
 * library, so that it is fetched and compiled while the service computes the data (compiled before, it would hold
 * the main thread when /orgs answers, and the data's request would leave later). Only a view that needs no
 * permission (the session that says which it has is still on its way). A refused token refuses this request too;
 * the view is never mounted then (the check shows the login), so the answer is dropped.
 */
function prefetchFirstView(api: ApiClient, orgs: Promise<{ orgs: OrgEntry[] }>): void {
  const route = parseHash(location.hash);
  const view = route.viewId === undefined ? VIEWS[0] : VIEWS.find((v) => v.id === route.viewId);
  if (view === undefined || view.permission !== undefined) return;
  const askFor = (orgId: string) => {
    view.prefetch?.(api, orgId);
    if (view.charts === true) void loadChartParts();
  };
  if (route.orgId !== undefined) {
    askFor(route.orgId);
    return;
  }
  orgs.then(
    (answer) => {
      const rootId = buildOrgTree(answer.orgs)[0]?.entry.id;
      if (rootId !== undefined) askFor(rootId);
    },
    () => undefined,
  );
}

/**
 * The shell: the login, the header (role, scope, language), the org tree as the navigation and the views' tabs;
 * the selected view renders with ViewProps. Everything it knows comes from GET /api/v1/session and /orgs.
 */
export function App() {
  const [lang, setLang] = useState<Lang>(savedLang);
  const [auth, setAuth] = useState<Auth>(() => {
    const token = savedToken();
    return token === undefined ? { kind: 'login' } : checking(token);
  });
  const [route, setRoute] = useState<HashRoute>(() => parseHash(location.hash));

  const timeZone =
    auth.kind === 'in' ? (auth.orgs.find((o) => o.timezone)?.timezone ?? DEFAULT_TIME_ZONE) : DEFAULT_TIME_ZONE;
  const locale = useMemo(() => createLocale(lang, timeZone), [lang, timeZone]);

  useEffect(() => {
    document.documentElement.lang = LOCALE[lang];
    document.title = locale.t(shellMessages, 'product');
  }, [lang, locale]);

  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const endSession = useCallback((code: string) => {
    saveToken(undefined);
    setAuth({ kind: 'login', notice: { key: 'sessionEnded', code, message: '' } });
  }, []);

  // Takes the check's answer (see checking()).
  useEffect(() => {
    if (auth.kind !== 'checking') return;
    let current = true;
    const token = auth.token;
    const api = guardedClient(createApiClient(token), endSession);
    void auth.check.then((check) => {
      if (!current) return;
      if (check.ok) {
        saveToken(token);
        setAuth({ kind: 'in', token, session: check.session, api, orgs: check.orgs });
        return;
      }
      const { error } = check;
      saveToken(undefined);
      const refused = error instanceof ApiError && error.status === 401;
      const code = error instanceof ApiError ? error.code : 'NETWORK';
      const message = error instanceof Error ? error.message : String(error);
      setAuth({ kind: 'login', notice: { key: refused ? 'refused' : 'unreachable', code, message } });
    });
    return () => {
      current = false;
    };
  }, [auth, endSession]);

  const changeLang = (next: Lang) => {
    saveLang(next);
    setLang(next);
  };

  const logout = () => {
    saveToken(undefined);
    setAuth({ kind: 'login' });
  };

  return (
    <LocaleContext.Provider value={locale}>
      <a class="skip-link" href="#main">
        {locale.t(shellMessages, 'skipToContent')}
      </a>
      <HeaderBar
        session={auth.kind === 'in' ? auth.session : undefined}
        scopeName={auth.kind === 'in' ? auth.orgs.find((o) => o.id === auth.session.scopeOrgId)?.name : undefined}
        onLang={changeLang}
        onLogout={logout}
      />
      {auth.kind === 'in' ? (
        <Workspace session={auth.session} api={auth.api} orgs={auth.orgs} route={route} />
      ) : (
        <LoginPage
          busy={auth.kind === 'checking'}
          notice={
            auth.kind === 'login' && auth.notice !== undefined
              ? locale.t(shellMessages, auth.notice.key, { code: auth.notice.code, message: auth.notice.message })
              : undefined
          }
          onLogin={(token) => setAuth(checking(token))}
        />
      )}
    </LocaleContext.Provider>
  );
}

interface WorkspaceProps {
  session: Session;
  api: ApiClient;
  orgs: readonly OrgEntry[];
  route: HashRoute;
}

function Workspace({ session, api, orgs, route }: WorkspaceProps) {
  const roots = useMemo(() => buildOrgTree(orgs), [orgs]);
  const views = useMemo(
    () => VIEWS.filter((v: DashboardView) => v.permission === undefined || session.permissions.includes(v.permission)),
    [session],
  );
  const known = (id: string | undefined) => id !== undefined && orgs.some((o) => o.id === id);
  const orgId = known(route.orgId) ? (route.orgId as string) : (roots[0]?.entry.id ?? session.scopeOrgId);
  const view = views.find((v) => v.id === route.viewId) ?? views[0];
  const viewId = view?.id ?? '';

  // An incomplete or unknown hash becomes the full one, so the address always names what is shown.
  useEffect(() => {
    if (view !== undefined && roots.length > 0 && (route.viewId !== viewId || route.orgId !== orgId)) {
      history.replaceState(null, '', hashOf(viewId, orgId));
    }
  }, [route, viewId, orgId, view, roots.length]);

  return (
    <div class="workspace">
      <aside class="sidebar">
        <TreePanel roots={roots} orgId={orgId} viewId={viewId} />
      </aside>
      <main id="main" class="content" tabIndex={-1}>
        {view === undefined ? (
          <NoViews />
        ) : (
          <>
            <ViewTabs views={views} selectedViewId={viewId} orgId={orgId} />
            <section class="view" data-view={view.id} aria-labelledby="view-title">
              <ViewTitle view={view} orgName={orgs.find((o) => o.id === orgId)?.name ?? orgId} />
              <view.component key={`${view.id}/${orgId}`} api={api} orgId={orgId} session={session} orgs={orgs} />
            </section>
          </>
        )}
      </main>
    </div>
  );
}

function TreePanel({ roots, orgId, viewId }: { roots: readonly OrgNode[]; orgId: string; viewId: string }) {
  const locale = useLocale();
  return (
    <nav aria-labelledby="tree-title">
      <h2 id="tree-title" class="panel-title">
        {locale.t(shellMessages, 'orgTree')}
      </h2>
      {roots.length === 0 ? (
        <p class="empty">{locale.t(shellMessages, 'noOrgs')}</p>
      ) : (
        <OrgTree
          roots={roots}
          selectedId={orgId}
          hrefOf={(id) => hashOf(viewId, id)}
          onSelect={(id) => {
            location.hash = hashOf(viewId, id);
          }}
        />
      )}
    </nav>
  );
}

function ViewTitle({ view, orgName }: { view: DashboardView; orgName: string }) {
  const locale = useLocale();
  return (
    <h1 id="view-title" class="view-title">
      {locale.t(view.title, 'title')} <span class="view-org">· {orgName}</span>
    </h1>
  );
}

function NoViews() {
  const locale = useLocale();
  return <p class="empty">{locale.t(shellMessages, 'noViews')}</p>;
}
