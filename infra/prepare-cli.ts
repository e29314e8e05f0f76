import { runCli } from './lib/run-cli.js';
import { preparePlatform } from './prepare-platform.js';

/** `npm run setup [-- --tests]`: prepares the machine without serving. */
runCli('setup failed', () => preparePlatform({ forTests: process.argv.includes('--tests') }));
