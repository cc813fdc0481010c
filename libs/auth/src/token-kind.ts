/** What every personal API token starts with (sign-in tokens never do): tells the two kinds apart. */
export const API_TOKEN_PREFIX = 'pat_';

export const isApiToken = (token: string): boolean => token.startsWith(API_TOKEN_PREFIX);
