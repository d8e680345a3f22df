/**
 * The recipe registry: name -> how to prepare a dataset of that kind. Filled in one place,
 * register-all-recipes.ts (as tfjs-core's register_all_gradients), so the list of recipes is
 * readable at a glance and a second registration of a name is a bug, not an override.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { DatasetManifest } from './manifest.js';

export interface Recipe {
  name: string;
  description: string;
  /** The recipe's own options object (e.g. PrepareClassificationOptions); it validates every field itself. */
  prepare(options: unknown): Promise<DatasetManifest>;
}

export class RecipeRegistry {
  private readonly recipes = new Map<string, Recipe>();

  register(recipe: Recipe): void {
    if (this.recipes.has(recipe.name)) {
      throw new SeqtrainError(
        'ERR_DUPLICATE_REGISTRATION',
        `A recipe named "${recipe.name}" is already registered; every recipe name must be unique (see register-all-recipes.ts).`,
        { field: 'name' }
      );
    }
    this.recipes.set(recipe.name, recipe);
  }

  get(name: string): Recipe {
    const recipe = this.recipes.get(name);
    if (!recipe) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Unknown recipe "${name}". Known recipes: ${this.names().join(', ')}.`, { field: 'recipe' });
    }
    return recipe;
  }

  has(name: string): boolean {
    return this.recipes.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.recipes.keys()].sort();
  }
}

export const RECIPES = new RecipeRegistry();
