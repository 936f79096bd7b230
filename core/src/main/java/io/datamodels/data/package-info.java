/**
 * Datasets for datamodels (Ilyas et al. 2022): the immutable in-memory {@link io.datamodels.data.Dataset}, readers
 * for IDX (MNIST, Fashion-MNIST), CIFAR-10 binary batches, image folders and CSV tables, row
 * {@link io.datamodels.data.Selection}s, the serialisable {@link io.datamodels.data.DatasetSpec}, and the embedded
 * Fashion-MNIST sample. Readers report bad input with a one-line {@link io.datamodels.data.DataFormatException}
 * naming the file, the field, and the expected and actual values.
 */
package io.datamodels.data;
