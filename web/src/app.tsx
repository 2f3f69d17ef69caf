// The shell: session gate, navigation by role, and the routes (each page its own chunk,
// so the first page loads only what it shows).
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from "preact-iso";
import { resumeSession, signOut } from "./api/client";
import { hasRole, type Me, type Role, useSession } from "./api/session";
import { NotificationBell } from "./components/notification-bell";
import { Spinner } from "./components/ui";
import { disconnectLive } from "./live/stream";
import { SignIn } from "./pages/sign-in";

const Calendar = lazy(() => import("./pages/calendar/calendar-page").then((m) => m.CalendarPage));
const MyShifts = lazy(() => import("./pages/my-shifts").then((m) => m.MyShiftsPage));
const Approvals = lazy(() => import("./pages/approvals").then((m) => m.ApprovalsPage));
const Generate = lazy(() => import("./pages/generate/generate-page").then((m) => m.GeneratePage));
const Rules = lazy(() => import("./pages/rules/rules-page").then((m) => m.RulesPage));
const Operations = lazy(() => import("./pages/operations/operations-page").then((m) => m.OperationsPage));
const Notifications = lazy(() => import("./pages/notifications").then((m) => m.NotificationsPage));
const Feeds = lazy(() => import("./pages/feeds").then((m) => m.FeedsPage));

interface NavItem {
  href: string;
  label: string;
  roles: Role[];
}

const STAFF: Role[] = ["admin", "manager", "analyst", "viewer"];
const NAV: NavItem[] = [
  { href: "/calendar", label: "Schedule", roles: STAFF },
  { href: "/my", label: "My shifts", roles: ["admin", "manager", "analyst"] },
  { href: "/approvals", label: "Approvals", roles: ["admin", "manager"] },
  { href: "/generate", label: "Generate", roles: ["admin", "manager"] },
  { href: "/rules", label: "Rules", roles: ["admin", "manager"] },
  { href: "/feeds", label: "Calendar feeds", roles: STAFF },
  { href: "/operations", label: "Operations", roles: STAFF },
];

function homeOf(me: Me): string {
  return hasRole(me, "analyst") && me.analyst_id !== null ? "/my" : "/calendar";
}

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to]);
  return null;
}

function Shell({ me, children }: { me: Me; children: ComponentChildren }) {
  const { path } = useLocation();
  const items = NAV.filter((item) => item.roles.includes(me.user.role));
  return (
    <div class="shell">
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar">
        <a class="brand" href={homeOf(me)}>ShiftPlanner</a>
        <nav aria-label="Main" class="nav">
          <ul>
            {items.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={path.startsWith(item.href) ? "page" : undefined}>{item.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="topbar__account">
          <NotificationBell />
          <span class="account-name" title={me.user.email}>
            {me.user.full_name || me.user.email} · {me.user.role}
          </span>
          <button type="button" class="button button--ghost" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </div>
  );
}

function Authenticated({ me }: { me: Me }) {
  const allowed = (href: string) => NAV.find((item) => item.href === href)?.roles.includes(me.user.role) ?? true;
  return (
    <Shell me={me}>
      <ErrorBoundary>
        <Router>
          <Route path="/" component={() => <Redirect to={homeOf(me)} />} />
          <Route path="/sign-in" component={() => <Redirect to={homeOf(me)} />} />
          <Route path="/calendar" component={() => <Calendar me={me} />} />
          <Route path="/my" component={() => <MyShifts me={me} />} />
          <Route path="/approvals" component={() => (allowed("/approvals") ? <Approvals me={me} /> : <Forbidden />)} />
          <Route path="/generate" component={() => (allowed("/generate") ? <Generate me={me} /> : <Forbidden />)} />
          <Route path="/rules/:tab?" component={() => (allowed("/rules") ? <Rules me={me} /> : <Forbidden />)} />
          <Route path="/operations" component={() => (allowed("/operations") ? <Operations me={me} /> : <Forbidden />)} />
          <Route path="/notifications" component={() => <Notifications me={me} />} />
          <Route path="/feeds" component={() => <Feeds me={me} />} />
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </Shell>
  );
}

function Forbidden() {
  return (
    <section class="page">
      <h1>Not for your role</h1>
      <p>Your account cannot open this page. Ask an administrator if you need it.</p>
    </section>
  );
}

function NotFound() {
  return (
    <section class="page">
      <h1>Page not found</h1>
      <p><a href="/">Back to the start</a></p>
    </section>
  );
}

function Gate() {
  const session = useSession();
  useEffect(() => void resumeSession(), []);
  useEffect(() => {
    if (session.status === "signed-out") disconnectLive();
  }, [session.status]);
  if (session.status === "unknown") return <Spinner label="Loading ShiftPlanner…" />;
  if (session.status === "signed-out") return <SignIn reason={session.reason} />;
  return <Authenticated me={session.me} />;
}

export function App() {
  return (
    <LocationProvider>
      <Gate />
    </LocationProvider>
  );
}
