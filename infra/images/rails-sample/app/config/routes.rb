Rails.application.routes.draw do
  resources :microposts
  resources :users
  # The home page lists the users.
  root "users#index"
end
