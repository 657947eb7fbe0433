// @ts-check
/**
 * Two bundles families: the extension host (Node, CommonJS) and the webviews (browser).
 * `--env webviewsOnly` builds only the webviews (the UI harness needs nothing else); `--env hostOnly` only the host.
 * Source maps are separate files: the webviews' CSP forbids eval, so no eval-based devtool may ever be used here.
 */
'use strict';

const path = require('path');

/** ts-loader with the folder's own tsconfig; `npm run typecheck` does the type checking, the build only transpiles. */
function tsRule(folder) {
  return {
    test: /\.ts$/,
    exclude: /node_modules/,
    use: [
      {
        loader: 'ts-loader',
        options: {
          configFile: path.resolve(__dirname, folder, 'tsconfig.json'),
          instance: folder,
          transpileOnly: true,
          // Both tsconfigs say noEmit (tsc only type-checks); the loader must emit.
          compilerOptions: { noEmit: false, sourceMap: true },
        },
      },
    ],
  };
}

/** @param {'development' | 'production' | 'none'} mode @returns {import('webpack').Configuration} */
function hostConfig(mode) {
  return {
    name: 'host',
    mode,
    target: 'node',
    entry: { extension: './src/extension.ts' },
    output: {
      path: path.resolve(__dirname, 'dist'),
      filename: '[name].js',
      library: { type: 'commonjs2' },
      devtoolModuleFilenameTemplate: '../[resource-path]',
    },
    // `vscode` is provided by the extension host; onnxruntime-node ships native binaries and stays in node_modules.
    externals: { vscode: 'commonjs vscode', 'onnxruntime-node': 'commonjs onnxruntime-node' },
    externalsPresets: { node: true },
    // Keep __dirname meaning dist/ at run time rather than the source folder at build time.
    node: { __dirname: false, __filename: false },
    resolve: { extensions: ['.ts', '.js'] },
    module: { rules: [tsRule('src')] },
    devtool: 'source-map',
    // protobufjs probes for optional modules with an eval'd require: harmless in Node, and not ours to change.
    ignoreWarnings: [{ module: /@protobufjs[\\/]inquire/ }],
    infrastructureLogging: { level: 'warn' },
  };
}

/** @param {'development' | 'production' | 'none'} mode @returns {import('webpack').Configuration} */
function webviewConfig(mode) {
  return {
    name: 'webviews',
    mode,
    target: 'web',
    entry: {
      scene: './webview/scene/main.ts',
      predictions: './webview/predictions/main.ts',
      activations: './webview/activations/main.ts',
      sweepResults: './webview/sweepResults/main.ts',
      inspector: './webview/inspector/main.ts',
    },
    output: {
      path: path.resolve(__dirname, 'dist', 'webview'),
      filename: '[name].js',
      devtoolModuleFilenameTemplate: '../../[resource-path]',
    },
    resolve: { extensions: ['.ts', '.js'] },
    module: { rules: [tsRule('webview')] },
    devtool: 'source-map',
    // three.js alone is ~600 kB minified; the bundles load from disk inside VS Code, not over a network.
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
  };
}

/**
 * @param {{ webviewsOnly?: boolean; hostOnly?: boolean }} env
 * @param {{ mode?: 'development' | 'production' | 'none' }} argv
 */
module.exports = (env = {}, argv = {}) => {
  const mode = argv.mode ?? 'production';
  const configs = [];
  if (!env.webviewsOnly) configs.push(hostConfig(mode));
  if (!env.hostOnly) configs.push(webviewConfig(mode));
  return configs;
};
