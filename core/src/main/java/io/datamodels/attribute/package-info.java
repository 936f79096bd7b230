/**
 * Gradient-based data attribution beside datamodels: TRAK (Park et al. 2023), influence functions (Koh and Liang
 * 2017) and the gradient dot product, for the built-in learners, written in the fit-folder layout so that every
 * evaluation reads them like fitted datamodels. Entry point: {@link io.datamodels.attribute.Attributor}.
 */
package io.datamodels.attribute;
