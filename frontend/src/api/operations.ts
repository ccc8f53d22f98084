// Every GraphQL document of the shell and the views shared by several areas. Result and variable
// types are generated from ../schema.graphql by graphql-codegen (`npm run codegen`); an area keeps
// its own documents in its own files.

import { graphql } from "./gql";

export const ME = graphql(`
  query Me { me { id email name role } }
`);

export const MY_PREFERENCES = graphql(`
  query MyPreferences { myPreferences { language schoolLanguage effectiveTimezone } }
`);

export const EMAIL_CONFIRMATION = graphql(`
  query EmailConfirmation { emailConfirmation { confirmed canResend } }
`);

export const RESEND_EMAIL_CONFIRMATION = graphql(`
  mutation ResendEmailConfirmation {
    resendEmailConfirmation { ok errors { field message code } }
  }
`);

export const LOGOUT = graphql(`
  mutation Logout { logout }
`);
