import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { SIGNED_OUT_EVENT, request, resetSubscriptions } from "./api/client";
import { LOGOUT, ME } from "./api/operations";
import type { User } from "./api/schema";
import { useConnection } from "./hooks";
import { BASE, Link, navigate, useRoute } from "./router";
import { Home } from "./views/Home";
import { LiveClasses } from "./views/LiveClasses";
import { LiveRoom } from "./views/LiveRoom";
import { MyAttendance } from "./views/MyAttendance";
import { SignIn } from "./views/SignIn";
import { Notice } from "./views/common";
import { EmailBanner } from "./views/EmailBanner";
import { titleCase } from "./format";
import "./style.css";

function Header({ me, onSignOut }: { me: User; onSignOut: () => void }) {
  const route = useRoute();
  const connection = useConnection();
  const tab = (name: string, href: string, label: string) => (
    <Link href={href} class={route.name === name ? "active" : ""} data-test-id={`nav-${name}`}>
      {label}
    </Link>
  );
  return (
    <header class="top">
      <Link href={`${BASE}/`} class="brand">
        <span class="brand-dot" /> liveroll
      </Link>
      <nav data-test-id="nav">
        {tab("home", `${BASE}/`, "Home")}
        {me.role === "ADMIN" && tab("live", `${BASE}/live`, "Live classes")}
        {me.role === "STUDENT" && tab("attendance", `${BASE}/attendance`, "My attendance")}
        <a href="/" data-test-id="nav-classic">
          Classic pages
        </a>
      </nav>
      <span class="spacer" />
      {connection === "reconnecting" && (
        <span class="connection off" data-test-id="reconnecting">
          reconnecting…
        </span>
      )}
      <span class="who" data-test-id="me">
        {me.name || me.email} <span class="badge">{titleCase(me.role)}</span>
      </span>
      <button class="ghost" onClick={onSignOut} data-test-id="signout">
        Sign out
      </button>
    </header>
  );
}

function Page({ me }: { me: User }) {
  const route = useRoute();
  switch (route.name) {
    case "home":
      return <Home me={me} />;
    case "room":
      return <LiveRoom key={route.meetingId} meetingId={route.meetingId} />;
    case "live":
      return me.role === "ADMIN" ? (
        <LiveClasses />
      ) : (
        <main class="page">
          <Notice>Live classes are for the school's admins.</Notice>
        </main>
      );
    case "attendance":
      return <MyAttendance />;
    case "missing":
      return (
        <main class="page">
          <Notice testId="not-found">
            Nothing at {route.path}. <Link href={`${BASE}/`}>Home</Link>
          </Notice>
        </main>
      );
  }
}

function App() {
  // undefined: still asking who we are
  const [me, setMe] = useState<User | null | undefined>(undefined);
  const [bootError, setBootError] = useState<string | null>(null);

  useEffect(() => {
    request(ME)
      .then((data) => setMe(data.me))
      .catch((e: unknown) => setBootError(e instanceof Error ? e.message : String(e)));
    const signedOut = () => {
      resetSubscriptions();
      setMe(null);
    };
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
  }, []);

  const signIn = (user: User) => {
    resetSubscriptions(); // the websocket must carry the new session
    setMe(user);
  };
  const signOut = async () => {
    try {
      await request(LOGOUT);
    } catch {
      // signed out already, or the server is away: forget the user here all the same
    }
    resetSubscriptions();
    setMe(null);
    navigate(`${BASE}/`);
  };

  if (bootError) {
    return (
      <main class="signin">
        <Notice kind="error" testId="boot-error">
          liveroll could not reach the school's server: {bootError}
        </Notice>
      </main>
    );
  }
  if (me === undefined) return <main class="signin" data-test-id="booting" />;
  if (me === null) return <SignIn onSignedIn={signIn} />;
  return (
    <>
      <Header me={me} onSignOut={signOut} />
      <EmailBanner />
      <Page me={me} />
    </>
  );
}

render(<App />, document.getElementById("app")!);
