// Builds the console into dist/: one JavaScript bundle (the app and its npm libraries, no
// CDN at run time), one stylesheet (the app's and uPlot's) and index.html. Run by `make console`.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';

const out = 'dist';
for (const f of await readdir(out)) {
  if (f !== 'README.md') await rm(`${out}/${f}`, { recursive: true });
}
await mkdir(out, { recursive: true });
await build({
  entryPoints: ['web/main.js'],
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022'],
  outfile: `${out}/app.js`,
  legalComments: 'linked',
  logLevel: 'warning',
});
const css = (await readFile('node_modules/uplot/dist/uPlot.min.css', 'utf8')) + '\n' + (await readFile('web/app.css', 'utf8'));
await writeFile(`${out}/app.css`, css);
await copyFile('web/index.html', `${out}/index.html`);
await copyFile('web/favicon.svg', `${out}/favicon.svg`);
