import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { rewriteApp, rewriteIndex } from './admin-ui-page.js';

const dist = join(dirname(createRequire(import.meta.url).resolve('@socket.io/admin-ui/package.json')), 'ui', 'dist');
const index = readFileSync(join(dist, 'index.html'), 'utf8');
const app = readFileSync(join(dist, 'js', readdirSync(join(dist, 'js')).find((f) => /^app\.\w+\.js$/.test(f))!), 'utf8');

describe('the Admin UI page as the gateway serves it', () => {
  it('the package page loads fonts and icons from CDNs, the served one from nowhere else', () => {
    expect(index).toMatch(/href="https:\/\/fonts\.googleapis\.com/);
    expect(index).toMatch(/href="https:\/\/cdn\.jsdelivr\.net\/npm\/@mdi\/font/);
    const served = rewriteIndex(index, { readonly: true });
    expect(served).not.toMatch(/(?:href|src)="(?:https?:)?\/\//);
    expect(served).toContain('<link rel="stylesheet" href="mdi/css/materialdesignicons.min.css">');
  });

  it('prefills the server URL when none is saved and sets the read-only toggle to the server mode', () => {
    expect(rewriteIndex(index, { readonly: true })).toContain("if(!s.getItem('server_url'))s.setItem('server_url',location.origin);s.setItem('readonly','true')");
    expect(rewriteIndex(index, { readonly: false })).toContain("s.setItem('readonly','false')");
    // Before the app's scripts, which read localStorage when they start.
    const served = rewriteIndex(index, { readonly: true });
    expect(served.indexOf("s.setItem('readonly'")).toBeLessThan(served.indexOf('<script src="js/'));
  });

  it('refuses a page that names another host it does not know how to replace', () => {
    expect(() => rewriteIndex(index.replace('</head>', '<script src="https://cdn.example/x.js"></script></head>'), { readonly: true })).toThrow('loads src="https://cdn.example/x.js"');
  });

  it('adds a User column (socket.data.userId) to the sockets table, and notices when the table changed', () => {
    const served = rewriteApp(app);
    expect(served).toContain('{text:"#",value:"id",align:"start"},{text:"User",value:"data.userId"},{text:this.$t("sockets.address"),value:"handshake.address"}');
    expect(served.length - app.length).toBe('{text:"User",value:"data.userId"},'.length);
    expect(() => rewriteApp(app.replace('value:"handshake.address"', 'value:"address"'))).toThrow('no sockets table as expected');
  });
});
