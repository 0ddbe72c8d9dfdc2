// Raised on `window` by a screen that showed another center (a request
// sent where it starts sooner): the app takes in the account shown.
export const ACCOUNT_CHANGED = 'aicc:account-changed';
