/**
 * The version of the plugin API this core implements. A plugin declares the range it supports
 * (`coreApi: '^0.1.0'`); loading it outside that range fails with both versions named.
 */
export const CORE_API_VERSION = '0.1.0';
