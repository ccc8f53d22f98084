// The frame around every page: the header (menu from the areas, notifications, who is signed
// in), the email banner, and the page the location names, checked against its roles.
import { useState } from "preact/hooks";
import type { Role } from "../api/schema";
import { NotificationsMenu } from "../areas/account/NotificationsMenu";
import { homePanels, nav, routes } from "../areas";
import type { Me } from "../areas/types";
import { useConnection } from "../hooks";
import { t } from "../i18n";
import { BASE, Link, matchPath, useLocation } from "../router";
import { Empty, Page, RoleBadge } from "../ui";
import { EmailBanner } from "./EmailBanner";

function Header({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const { path } = useLocation();
  const connection = useConnection();
  const [open, setOpen] = useState(false);
  const items = [
    { href: `${BASE}/`, label: () => t("nav.home"), testId: "nav-home" },
    ...nav.filter((item) => item.roles.includes(me.role)),
  ];
  const active = (href: string) => {
    const target = href.slice(BASE.length) || "/";
    return target === "/" ? path === "/" : path === target || path.startsWith(`${target}/`);
  };
  return (
    <header class="top">
      <a class="skip" href="#main">
        {t("app.skip")}
      </a>
      <Link href={`${BASE}/`} class="brand">
        <span class="brand-dot" aria-hidden="true" /> {t("app.name")}
      </Link>
      <button
        type="button"
        class="ghost menu-toggle"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => setOpen(!open)}
        data-test-id="nav-toggle"
      >
        {t("nav.menu")}
      </button>
      <nav id="main-nav" class={open ? "open" : ""} aria-label={t("nav.main")} data-test-id="nav" onClick={() => setOpen(false)}>
        {items.map((item) => (
          <Link
            key={item.href}
            href={item.href}
            class={active(item.href) ? "active" : ""}
            aria-current={active(item.href) ? "page" : undefined}
            data-test-id={item.testId}
          >
            {item.label()}
          </Link>
        ))}
      </nav>
      <span class="spacer" />
      {connection === "reconnecting" && (
        <span class="connection off" role="status" data-test-id="reconnecting">
          {t("nav.reconnecting")}
        </span>
      )}
      <NotificationsMenu me={me} />
      <Link href={`${BASE}/profile`} class="who" data-test-id="me">
        {me.name || me.email} <RoleBadge role={me.role} />
      </Link>
      <button class="ghost" onClick={onSignOut} data-test-id="signout">
        {t("nav.signOut")}
      </button>
    </header>
  );
}

function Home({ me }: { me: Me }) {
  const panels = homePanels.filter((panel) => panel.roles.includes(me.role));
  return (
    <Page title={t("home.greeting", { name: me.name || me.email })} testId="home">
      {panels.length ? panels.map((panel, i) => <panel.view key={i} me={me} />) : <Empty title={t("home.empty")} />}
    </Page>
  );
}

function NotForYou({ roles, me }: { roles: Role[]; me: Me }) {
  return (
    <Page title={t("forbidden.title")} testId="forbidden" narrow>
      <p>
        {t("forbidden.body", {
          roles: roles.map((role) => t(`role.${role}`)).join(", "),
          role: t(`role.${me.role}`),
        })}
      </p>
      <Link href={`${BASE}/`}>{t("forbidden.home")}</Link>
    </Page>
  );
}

function Current({ me }: { me: Me }) {
  const { path } = useLocation();
  if (path === "/") return <Home me={me} />;
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.roles && !route.roles.includes(me.role)) return <NotForYou roles={route.roles} me={me} />;
    return <route.view params={params} me={me} />;
  }
  return (
    <Page title={t("notFound.title")} testId="not-found" narrow>
      <p>{t("notFound.body", { path })}</p>
      <Link href={`${BASE}/`}>{t("notFound.home")}</Link>
    </Page>
  );
}

export function Shell({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  return (
    <>
      <Header me={me} onSignOut={onSignOut} />
      <EmailBanner />
      <Current me={me} />
    </>
  );
}
