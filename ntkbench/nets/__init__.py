"""Finite-width networks of an :class:`~ntkbench.arch.Arch`: building, training, empirical NTK and
gradient features.

Public API
----------
build_network           the MLP, CNN or Myrtle network of an Arch, in the NTK parameterisation.
train_network           minibatch SGD/Adam on MSE or cross-entropy with early stopping.
per_example_gradients   ∇θ f(x) per example (torch.func vmap + grad).
empirical_ntk           ⟨∇θ f(x), ∇θ f(x′)⟩ of a network.
GradientFeatures        random projections of the per-example gradients (GradRF), a transformer.
"""

from ntkbench.nets.build import build_network, check_width
from ntkbench.nets.gradients import GradientFeatures, empirical_ntk, per_example_gradients
from ntkbench.nets.train import TrainingResult, check_training_options, train_network

__all__ = [
    "GradientFeatures",
    "TrainingResult",
    "build_network",
    "check_training_options",
    "check_width",
    "empirical_ntk",
    "per_example_gradients",
    "train_network",
]
