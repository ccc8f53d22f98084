import type { Me } from "../types";

/** The header's notifications menu (the account area fills it in). */
export function NotificationsMenu(_props: { me: Me }) {
  return null;
}
