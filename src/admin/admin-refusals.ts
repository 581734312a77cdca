/**
 * Why an admin request is not served as asked. The admin's guards and page builders throw these;
 * AdminRefusalFilter turns each into what a browser expects (an HTML page or a redirect), never
 * the API's JSON envelope.
 */
export abstract class AdminRefusal extends Error {}

/** ADMIN_PASSWORD is not set: every admin URL is a 404 page. */
export class AdminDisabled extends AdminRefusal {}

/** No valid session: a redirect to the login (which may come back to `location`'s `next`). */
export class AdminSessionMissing extends AdminRefusal {
  constructor(readonly location: string) {
    super('no admin session');
  }
}

/** A form post whose CSRF token is not its session's: 403. */
export class CsrfTokenRejected extends AdminRefusal {}

/** The login form is refused (expired form: 403; wrong password: 401) and shown again. */
export class LoginRefused extends AdminRefusal {
  constructor(
    readonly status: 401 | 403,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The page's subject (an invoice) does not exist: 404. */
export class AdminPageNotFound extends AdminRefusal {}
