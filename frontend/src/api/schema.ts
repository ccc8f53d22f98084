// Names for the generated GraphQL types (src/api/gql/, from ../schema.graphql) that the shell and
// several areas share. Each is a generated type or a part of one, so a schema change that breaks
// the app fails `tsc`.

import type { EmailConfirmationQuery, MeQuery, ResendEmailConfirmationMutation } from "./gql/graphql";

export type { AttendanceStatus, MeetingStatus, ParticipantRole, Role } from "./gql/graphql";

export type User = NonNullable<MeQuery["me"]>;
/** A mutation's typed error (`errors { field message code }`). */
export type FieldError = ResendEmailConfirmationMutation["resendEmailConfirmation"]["errors"][number];
export type EmailConfirmation = EmailConfirmationQuery["emailConfirmation"];
