// Every message catalogue, by language and namespace (one namespace per area of the app).
// English is the reference: its shape types `t()` keys (see index.ts), and `npm run check:i18n`
// fails when another language misses a key or a {{placeholder}}.
import enAccount from "../locales/en/account.json";
import enAdmin from "../locales/en/admin.json";
import enAttendance from "../locales/en/attendance.json";
import enCommon from "../locales/en/common.json";
import enPeople from "../locales/en/people.json";
import enRecordings from "../locales/en/recordings.json";
import enSessions from "../locales/en/sessions.json";
import bnAccount from "../locales/bn/account.json";
import bnAdmin from "../locales/bn/admin.json";
import bnAttendance from "../locales/bn/attendance.json";
import bnCommon from "../locales/bn/common.json";
import bnPeople from "../locales/bn/people.json";
import bnRecordings from "../locales/bn/recordings.json";
import bnSessions from "../locales/bn/sessions.json";

export const NAMESPACES = ["common", "admin", "people", "sessions", "attendance", "account", "recordings"] as const;

const en = {
  common: enCommon,
  admin: enAdmin,
  people: enPeople,
  sessions: enSessions,
  attendance: enAttendance,
  account: enAccount,
  recordings: enRecordings,
};

export type Catalogue = typeof en;

export const resources = {
  en,
  bn: {
    common: bnCommon,
    admin: bnAdmin,
    people: bnPeople,
    sessions: bnSessions,
    attendance: bnAttendance,
    account: bnAccount,
    recordings: bnRecordings,
  },
};
