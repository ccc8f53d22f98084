// The account area: the profile (/app/profile) for everyone signed in. Sign-in (SignIn.tsx)
// and the header's notifications menu (NotificationsMenu.tsx) are drawn by the shell.
import type { Area } from "../types";
import { Profile } from "./Profile";

export const area: Area = {
  routes: [{ path: "/profile", view: ({ me }) => <Profile me={me} /> }],
  nav: [],
  home: [],
};
