/**
 * The secrets planted in fixtures/samples (unsigned test JWTs carry a fake signature segment):
 * JWT signature segments, API keys and an opaque bearer token, none of which may ever leave hopwatch.
 */
export const plantedSecrets = [
  'c2lnLWNoYWluLXNlY3JldC0xYTJiM2M',
  'c2lnLWNsaWVudC1zZWNyZXQtOWY4ZTc',
  'c2lnLXVzZXItc2VjcmV0LTU1NjY3Nzg',
  'sk-live-7Hq2xZ9rT4mW8pL3vN6b',
  'kong-key-Qm4R8tY2uI6oP0aS',
  'ngx-opaque-Zx81Lk02Mn55Vb',
  'opaque-bearer-Rr99Tt88Yy77',
] as const;
