import { postbackOrigin, postbackUrlProblem } from './postback-url';

describe(postbackUrlProblem.name, () => {
  it.each([
    'http://127.0.0.1:4555/hook',
    'http://localhost:80/',
    'https://127.8.0.1/x?y=1',
    'http://[::1]:9000/postbacks',
    'http://127.1:3000/',
  ])('accepts the loopback URL %s', (url) => {
    expect(postbackUrlProblem(url)).toBeNull();
  });

  it.each([
    ['http://example.com/hook', /this machine/],
    ['http://10.0.0.5/hook', /this machine/],
    ['http://169.254.169.254/latest/meta-data', /this machine/],
    ['http://localhost.evil.example/', /this machine/],
    ['http://[::ffff:8.8.8.8]/', /this machine/],
    ['http://0.0.0.0:80/', /this machine/],
    ['ftp://127.0.0.1/', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['http://user:secret@127.0.0.1/', /credentials/],
    ['not a url', /not a valid URL/],
    ['', /at most/],
    [`http://127.0.0.1/${'a'.repeat(2100)}`, /at most/],
    [42, /at most/],
  ])('rejects %s', (url, message) => {
    expect(postbackUrlProblem(url)).toMatch(message);
  });

  it('names only host and port of a target', () => {
    expect(postbackOrigin('http://127.0.0.1:4555/hooks/s3cr3t?key=abc')).toBe('127.0.0.1:4555');
  });
});
