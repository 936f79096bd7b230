/**
 * Code that several core packages share but that is not part of the API: the module does not export this package,
 * so code outside the core cannot depend on it, and it may change in any release.
 */
package io.datamodels.internal;
